// `picolink hub --mqtt ...` flags (src-main/cli/hub-args.ts): checked before anything starts, a
// wrong one is a UsageError with what is wrong, and the password never appears in it.
import { writeFileSync, mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseHubArgs, type HubArgs } from '../../src-main/cli/hub-args.ts';
import { UsageError } from '../../src-main/cli/usage.ts';
import { sanitiseHubName } from '../../src-main/mqtt/topics.ts';

const parse = (...a: string[]): HubArgs => parseHubArgs(['--sim', '1', ...a]) as HubArgs;

describe('hub --mqtt flags', () => {
  it('no --mqtt: not publishing', () => {
    expect(parse().mqtt).toBeNull();
  });

  it('reads the URL, prefix, hub name, CA and --ha-discovery', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'picolink-ca-'));
    const ca = path.join(dir, 'ca.crt');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\n');
    expect(parse('--mqtt', 'mqtts://u:p@broker:8884', '--mqtt-prefix', 'site/a', '--hub-name', 'north', '--mqtt-ca', ca, '--ha-discovery').mqtt).toEqual({
      broker: { protocol: 'mqtts', host: 'broker', port: 8884, username: 'u', password: 'p' },
      prefix: 'site/a',
      hubName: 'north',
      haDiscovery: true,
      caFile: ca,
    });
    expect(parse('--mqtt', 'mqtt://localhost:1883').mqtt).toMatchObject({ prefix: 'picolink', hubName: sanitiseHubName(hostname()), haDiscovery: false, caFile: null });
  });

  it.each([
    [['--mqtt', 'localhost:1883'], /--mqtt .*(not a broker URL|not a URL)/],
    [['--mqtt', 'http://h'], /--mqtt http:\/\/ is not a broker URL/],
    [['--mqtt', 'mqtt://u:s3cret@h/topic'], /--mqtt .*no path or query/],
    [['--mqtt', 'mqtt://h', '--hub-name', 'a/b'], /--hub-name: the hub name "a\/b" has one of/],
    [['--mqtt', 'mqtt://h', '--mqtt-prefix', 'a/#'], /--mqtt-prefix: .*reserve/],
    [['--mqtt', 'mqtt://h', '--mqtt-ca', '/nonexistent/ca.crt'], /--mqtt-ca .*no such file/],
    [['--hub-name', 'x'], /--hub-name applies to publishing: add --mqtt/],
    [['--ha-discovery'], /--ha-discovery applies to publishing/],
  ])('%j is a usage error', (args, why) => {
    let e: unknown;
    try {
      parse(...args);
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(UsageError);
    expect((e as Error).message).toMatch(why);
    expect((e as Error).message).not.toContain('s3cret');
  });
});
