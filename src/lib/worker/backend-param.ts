// `?backend=` is a page-level setting (one worker per page), validated like any other URL parameter.
import { BACKENDS, isBackendName, type BackendName } from '../ml/backend-names';

export function readBackendParam(search: string): { forced: BackendName | null; note: string | null } {
	const raw = new URLSearchParams(search).get('backend');
	if (raw === null || raw === '' || raw === 'auto') return { forced: null, note: null };
	const v = raw.trim().toLowerCase();
	if (isBackendName(v)) return { forced: v, note: null };
	const shown = raw.replace(/[^\w.-]/g, '?').slice(0, 24);
	return { forced: null, note: `backend=${shown} is not one of ${BACKENDS.join(', ')}, auto; choosing automatically.` };
}
