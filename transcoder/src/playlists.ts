/** Minimal HLS playlist readers: what the tests and the API's proxy need to check and rewrite. */

export interface MasterVariant {
  uri: string;
  bandwidth: number;
  resolution: { width: number; height: number } | undefined;
  codecs: string[];
  audioGroup: string | undefined;
}
export interface MasterMedia {
  type: string;
  groupId: string;
  name: string;
  uri: string | undefined;
  default: boolean;
}
export interface MasterPlaylist {
  variants: MasterVariant[];
  media: MasterMedia[];
}
export interface MediaPlaylist {
  targetDuration: number;
  map: string | undefined;
  segments: Array<{ duration: number; uri: string }>;
  ended: boolean;
  vod: boolean;
}

/** `KEY=value,KEY="quoted, value"` → record. */
export function parseAttributes(list: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([A-Z0-9-]+)=("[^"]*"|[^,]*)/g;
  for (const match of list.matchAll(re)) out[match[1]!] = match[2]!.replace(/^"|"$/g, '');
  return out;
}

function lines(text: string): string[] {
  const all = text.split(/\r?\n/).map((l) => l.trim());
  if (all[0] !== '#EXTM3U') throw new Error('not an HLS playlist (no #EXTM3U)');
  return all.filter(Boolean);
}

export function parseMaster(text: string): MasterPlaylist {
  const all = lines(text);
  const variants: MasterVariant[] = [];
  const media: MasterMedia[] = [];
  for (let i = 0; i < all.length; i++) {
    const line = all[i]!;
    if (line.startsWith('#EXT-X-STREAM-INF:')) {
      const a = parseAttributes(line.slice('#EXT-X-STREAM-INF:'.length));
      const uri = all[i + 1];
      if (!uri || uri.startsWith('#')) throw new Error('EXT-X-STREAM-INF without a URI');
      const [w, h] = (a.RESOLUTION ?? '').split('x').map(Number);
      variants.push({
        uri,
        bandwidth: Number(a.BANDWIDTH),
        resolution: w && h ? { width: w, height: h } : undefined,
        codecs: a.CODECS ? a.CODECS.split(',') : [],
        audioGroup: a.AUDIO,
      });
    } else if (line.startsWith('#EXT-X-MEDIA:')) {
      const a = parseAttributes(line.slice('#EXT-X-MEDIA:'.length));
      media.push({
        type: a.TYPE ?? '',
        groupId: a['GROUP-ID'] ?? '',
        name: a.NAME ?? '',
        uri: a.URI,
        default: a.DEFAULT === 'YES',
      });
    }
  }
  return { variants, media };
}

export function parseMedia(text: string): MediaPlaylist {
  const all = lines(text);
  const playlist: MediaPlaylist = {
    targetDuration: 0,
    map: undefined,
    segments: [],
    ended: false,
    vod: false,
  };
  for (let i = 0; i < all.length; i++) {
    const line = all[i]!;
    if (line.startsWith('#EXT-X-TARGETDURATION:')) playlist.targetDuration = Number(line.split(':')[1]);
    else if (line.startsWith('#EXT-X-MAP:')) playlist.map = parseAttributes(line.slice(11)).URI;
    else if (line === '#EXT-X-ENDLIST') playlist.ended = true;
    else if (line === '#EXT-X-PLAYLIST-TYPE:VOD') playlist.vod = true;
    else if (line.startsWith('#EXTINF:')) {
      const uri = all[i + 1];
      if (!uri || uri.startsWith('#')) throw new Error('EXTINF without a URI');
      playlist.segments.push({ duration: Number(line.slice(8).split(',')[0]), uri });
    }
  }
  return playlist;
}
