import { describe, expect, it } from 'vitest';
import { brokerSchema } from '../../src-main/ipc/contract.ts';
import { cleanBroker, plainAddress } from '../../src-renderer/src/lib/sources.ts';

describe('Settings → Sources form', () => {
  it('leaves empty optional fields out, so the contract takes the broker', () => {
    const b = cleanBroker({ url: ' mqtt://h:1883 ', prefix: 'picolink', user: '', password: '', ca: '  ', passwordSet: true });
    expect(b).toEqual({ url: 'mqtt://h:1883', prefix: 'picolink', passwordSet: true });
    expect(brokerSchema.safeParse(b).success).toBe(true);
  });

  it('the contract refuses a prefix with a wildcard and a URL that is not MQTT', () => {
    expect(brokerSchema.safeParse({ url: 'mqtt://h', prefix: 'a/+' }).success).toBe(false);
    expect(brokerSchema.safeParse({ url: 'http://h', prefix: 'a' }).success).toBe(false);
    expect(brokerSchema.safeParse({ url: 'mqtts://h:8883', prefix: 'site/greenhouse' }).success).toBe(true);
  });

  it('shows a remote key as its address', () => {
    expect(plainAddress('greenhouse/aa:bb:cc:dd:ee:ff')).toBe('aa:bb:cc:dd:ee:ff');
    expect(plainAddress('aa:bb:cc:dd:ee:ff')).toBe('aa:bb:cc:dd:ee:ff');
  });
});
