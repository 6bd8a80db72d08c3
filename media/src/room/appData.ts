import type { types } from 'mediasoup';
import type { MediaSource } from '@learnlive/contracts';

/*
 * What a room's mediasoup objects carry in `appData`, set when they are created. The objects are
 * typed with these (`types.Producer<ProducerAppData>`…), so reading them needs no cast.
 */

export interface RouterAppData extends types.AppData {
  roomId: string;
}

export interface TransportAppData extends types.AppData {
  direction: 'send' | 'recv';
  peerId: string;
}

export interface ProducerAppData extends types.AppData {
  /** The peer that published it. */
  peerId: string;
  source: MediaSource;
}

export interface ConsumerAppData extends types.AppData {
  /** The peer that receives it. */
  peerId: string;
  producerPeerId: string;
  source: MediaSource;
}

export type RoomRouter = types.Router<RouterAppData>;
export type PeerTransport = types.WebRtcTransport<TransportAppData>;
export type PeerProducer = types.Producer<ProducerAppData>;
export type PeerConsumer = types.Consumer<ConsumerAppData>;
