#!/bin/bash
# `npm run bench:gpu` from the pack that scripts/gpu-pack.sh makes, on a machine without Node: unpacks
# Node, puts Debian's Vulkan loader and libglvnd in place (only where the system has no Vulkan loader),
# picks the NVIDIA Vulkan driver where there is one, and runs the full bench with every part. Results go
# to $OUT (bench-gpu.txt: the printed tables; bench-gpu.json: everything) or to artifacts/ without $OUT.
# Env: GPU_BENCH_ARGS overrides the bench's arguments (default: --full --parts=step,es,swap,lambda,doubleit);
# GPU_BENCH_CAP_S stops the bench after that many seconds (default 480, inside the device's 10-minute
# command limit), keeping what it printed.
set -uo pipefail
cd "$(dirname "$0")/.."
G=.gpu
[ -f "$G/bench-gpu.mjs" ] || { echo "no $G/bench-gpu.mjs: run scripts/gpu-pack.sh first (and carry .gpu)"; exit 2; }
[ -f static/data/mnist.manifest.json ] || { echo "no static/data: carry static/data too"; exit 2; }
OUT=${OUT:-artifacts}
mkdir -p "$OUT"
W=$(mktemp -d)

unxz() { # unxz SRC.xz DEST
	if command -v xz >/dev/null 2>&1; then xz -dc "$1" >"$2"
	else python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"), 1 << 20)' "$1" "$2"; fi
}
unxz "$G/node.xz" "$W/node"
chmod +x "$W/node"
dawn=$G/node_modules/webgpu/dist/linux-x64/dawn.node
[ -f "$dawn" ] || unxz "$dawn.xz" "$dawn"

# the Vulkan loader and libglvnd, unpacked over / only where the system lacks a loader (the device's
# image has none; unpacking over a working system could replace its libraries)
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1'; then
	for f in "$G"/debs/*.deb; do dpkg -x "$f" / || echo "dpkg -x $f failed"; done
	ldconfig 2>/dev/null
fi
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -e "$icd" ]; then
	export VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd
	export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
	export LD_LIBRARY_PATH="/usr/local/nvidia/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
{
	echo "== $(date -u)"
	nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 | head -3
	echo "node $("$W/node" --version 2>&1)"
	echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-<unset>}"
} | tee "$OUT/bench-gpu-env.txt"

read -r -a args <<<"${GPU_BENCH_ARGS:---full --parts=step,es,swap,lambda,doubleit}"
# the bench exits 2 when Dawn finds no adapter, 1 when a check fails; its tables are the result either way
timeout -k 5 "${GPU_BENCH_CAP_S:-480}" "$W/node" "$G/bench-gpu.mjs" "${args[@]}" --json="$OUT/bench-gpu.json" 2>&1 | grep -v 'artificially reduced' | tee "$OUT/bench-gpu.txt"
rc=${PIPESTATUS[0]}
rm -rf "$W"
exit "$rc"
