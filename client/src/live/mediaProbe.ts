import type { MediaSession, SessionState } from './MediaSession.js';

declare global {
  interface Window {
    /** The live page's media session as the browser tests see it (e2e builds only). */
    __media?: MediaProbe;
  }
}

/**
 * What the browser tests read of a live page's media session: its state and controls, and the
 * counters that show media flowing. Test-only: LiveRoom exposes it as `window.__media` in the
 * e2e build alone (`vite build --mode e2e`), so production bundles leave this module out. It
 * reads the session's private transports and consumers on purpose (TypeScript allows it with
 * brackets), so MediaSession carries nothing for tests.
 */
export class MediaProbe {
  constructor(private readonly session: MediaSession) {}

  get state(): SessionState {
    return this.session.state;
  }

  restartIce(): Promise<void> {
    return this.session.restartIce();
  }

  setPaused(...args: Parameters<MediaSession['setPaused']>): Promise<void> {
    return this.session.setPaused(...args);
  }

  /** Decoding counters from the receive transport. */
  async receiveStats(): Promise<{ framesDecoded: number; audioPackets: number; audioEnergy: number }> {
    const totals = { framesDecoded: 0, audioPackets: 0, audioEnergy: 0 };
    const transport = this.session['recvTransport'];
    if (!transport || transport.closed) return totals;
    const report = await transport.getStats();
    report.forEach(
      (stat: {
        type: string;
        kind?: string;
        framesDecoded?: number;
        packetsReceived?: number;
        totalAudioEnergy?: number;
      }) => {
        if (stat.type !== 'inbound-rtp') return;
        if (stat.kind === 'video') totals.framesDecoded += stat.framesDecoded ?? 0;
        if (stat.kind === 'audio') {
          totals.audioPackets += stat.packetsReceived ?? 0;
          totals.audioEnergy += stat.totalAudioEnergy ?? 0;
        }
      },
    );
    return totals;
  }

  /** The server's view of one of this peer's transports, producers or consumers. */
  async serverStats(
    kind: 'transport' | 'producer' | 'consumer',
    id: string,
  ): Promise<Array<Record<string, unknown>>> {
    return (await this.session['request']('getStats', { kind, id })).stats;
  }

  /** Video frames decoded from one participant's producers. */
  async framesFrom(peerId: string): Promise<number> {
    let frames = 0;
    for (const remote of this.session.state.remote) {
      if (remote.peerId !== peerId || remote.kind !== 'video') continue;
      const consumer = this.session['consumers'].get(remote.consumerId);
      if (!consumer || consumer.closed) continue;
      (await consumer.getStats()).forEach((stat: { type: string; framesDecoded?: number }) => {
        if (stat.type === 'inbound-rtp') frames += stat.framesDecoded ?? 0;
      });
    }
    return frames;
  }

  /** Transport states: closed transports report `closed`. */
  transports(): { send?: string; recv?: string } {
    const describe = (t: MediaSession['sendTransport']) =>
      t ? (t.closed ? 'closed' : t.connectionState) : undefined;
    return { send: describe(this.session['sendTransport']), recv: describe(this.session['recvTransport']) };
  }
}

/** Puts the page's media session where the browser tests look for it. */
export function exposeToBrowserTests(session: MediaSession): void {
  window.__media = new MediaProbe(session);
}
