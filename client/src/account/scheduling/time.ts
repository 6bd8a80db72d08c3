/**
 * Instants travel as UTC ISO strings; people type and read local times. `<input
 * type="datetime-local">` holds a zone-less local time, which `new Date()` reads as local.
 */
export function localInputToIso(value: string): string {
  return new Date(value).toISOString();
}

/** An ISO instant as the value of a datetime-local input, in the viewer's zone. */
export function isoToLocalInput(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function showLocal(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
