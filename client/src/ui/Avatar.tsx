import './Avatar.css';

/** Up to two initials of a display name ("Ada Lovelace" → "AL"). */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : words;
  return letters
    .map((word) => Array.from(word ?? '')[0] ?? '')
    .join('')
    .toLocaleUpperCase();
}

const HUES = [220, 260, 160, 20, 330, 190];

/** A person's initials on a colour derived from their id; the name is said by its neighbour. */
export function Avatar({ name, id, size = 'md' }: { name: string; id: string; size?: 'sm' | 'md' }) {
  let hash = 0;
  for (const char of id) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  const hue = HUES[hash % HUES.length];
  return (
    <span
      className={`avatar avatar-${size}`}
      style={{ background: `hsl(${hue} 55% 32%)` }}
      aria-hidden="true"
    >
      {initials(name)}
    </span>
  );
}
