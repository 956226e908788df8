// docs/MQTT.md is generated from the zod schemas (src-main/mqtt/docs.ts): it must be current.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderMqttDocs } from '../../src-main/mqtt/docs.ts';
import { PAYLOADS } from '../../src-main/mqtt/schemas.ts';

describe('docs/MQTT.md', () => {
  const doc = readFileSync(new URL('../../docs/MQTT.md', import.meta.url), 'utf8');

  it('is what `npm run docs:mqtt` writes (run it after changing a schema)', () => {
    expect(doc === renderMqttDocs(), 'docs/MQTT.md is stale: run npm run docs:mqtt').toBe(true);
  });

  it('has a JSON Schema for every payload', () => {
    for (const name of Object.keys(PAYLOADS)) expect(doc).toContain(`### ${name}\n`);
    expect(doc.match(/```json/g)).toHaveLength(Object.keys(PAYLOADS).length);
  });
});
