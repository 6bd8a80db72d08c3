import { describe, expect, it } from 'vitest';
import { MEDIA_REQUEST_NAMES, MediaRequestSchemas, RtpParametersSchema } from './media.js';

const camera = {
  mid: '0',
  codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 }],
  encodings: [
    { rid: 'r0', scaleResolutionDownBy: 4 },
    { rid: 'r1', scaleResolutionDownBy: 2 },
    { rid: 'r2' },
  ],
};

describe('media signalling schemas', () => {
  it('accepts a three-layer simulcast camera', () => {
    expect(RtpParametersSchema.safeParse(camera).success).toBe(true);
  });

  it('bounds what a peer can make the worker parse', () => {
    const tooMany = { ...camera, encodings: Array.from({ length: 5 }, (_, i) => ({ ssrc: i + 1 })) };
    expect(RtpParametersSchema.safeParse(tooMany).success).toBe(false);
    const longCname = { ...camera, rtcp: { cname: 'x'.repeat(65) } };
    expect(RtpParametersSchema.safeParse(longCname).success).toBe(false);
    const manyParameters = {
      ...camera,
      codecs: [
        {
          ...camera.codecs[0],
          parameters: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`p${i}`, i])),
        },
      ],
    };
    expect(RtpParametersSchema.safeParse(manyParameters).success).toBe(false);
    expect(RtpParametersSchema.safeParse({ ...camera, codecs: [] }).success).toBe(false);
    const badPayloadType = { ...camera, codecs: [{ ...camera.codecs[0], payloadType: 300 }] };
    expect(RtpParametersSchema.safeParse(badPayloadType).success).toBe(false);
  });

  it('has a schema for every request and refuses unknown join fields', () => {
    expect(MEDIA_REQUEST_NAMES).toContain('produce');
    expect(MEDIA_REQUEST_NAMES.every((name) => MediaRequestSchemas[name])).toBe(true);
    expect(MediaRequestSchemas.join.safeParse({ role: 'teacher' }).success).toBe(false);
    expect(
      MediaRequestSchemas.setPreferredLayers.safeParse({ consumerId: 'c', spatialLayer: 9 }).success,
    ).toBe(false);
  });
});
