#!/bin/bash
# Packs `npm run bench:gpu` for a GPU machine that has no Node, no network and no Vulkan loader (the
# device machine some sessions are lent; README, "GPU bench"). Writes .gpu/ (git-ignored, ~36 MB):
#   bench-gpu.mjs              scripts/bench-gpu.ts bundled by esbuild, `webgpu` left outside
#   node_modules/webgpu/       Dawn's Node bindings (index.js, package.json; dawn.node for linux-x64 as .xz)
#   tfjs-backend-wasm*.wasm    where the bundled tfjs wasm backend looks for them (next to the bundle)
#   node.xz                    this machine's Node binary, compressed
#   debs/                      Debian's Vulkan loader and libglvnd (the NVIDIA ICD finds no vkCreateInstance
#                              without libglvnd)
# Then, on the device, from the repo root (the digit data is git-ignored, so it travels as a carried path):
#   run(command: "bash scripts/gpu-device.sh", carry: [".gpu", "static/data"], timeout_s: 540)
# Locally, `bash scripts/gpu-device.sh` runs the same bundle on this machine's adapter (lavapipe) as a check.
set -euo pipefail
cd "$(dirname "$0")/.."
D=.gpu
rm -rf "$D"
mkdir -p "$D/debs" "$D/node_modules/webgpu/dist/linux-x64"

# The bundle is an ES module; tfjs's Node code and Emscripten's loader use require and __dirname.
# --ignore-annotations: the tfjs backends are imported for their side effect (registering), which their
# package.json's "sideEffects" list would have esbuild drop.
node_modules/.bin/esbuild scripts/bench-gpu.ts --bundle --platform=node --format=esm --target=node20 \
	--ignore-annotations --external:webgpu --outfile="$D/bench-gpu.mjs" --log-level=warning --legal-comments=none \
	--banner:js="import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url'; import { dirname as __dn } from 'node:path'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);"
cp node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm*.wasm "$D/"
cp node_modules/webgpu/index.js node_modules/webgpu/package.json "$D/node_modules/webgpu/"
xz -T0 -6 -c node_modules/webgpu/dist/linux-x64/dawn.node >"$D/node_modules/webgpu/dist/linux-x64/dawn.node.xz"
xz -T0 -6 -c "$(readlink -f "$(command -v node)")" >"$D/node.xz"

# amd64 packages whatever this machine is, from Debian's mirror (the one network these machines have)
lists=$(mktemp -d)
mkdir -p "$lists/partial"
o=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists="$lists")
apt-get "${o[@]}" update -qq
(cd "$D/debs" && apt-get "${o[@]}" download -qq libvulkan1 libglvnd0 libegl1 libgl1 libglx0 libopengl0 libgles2)
rm -rf "$lists"
du -sh "$D"
