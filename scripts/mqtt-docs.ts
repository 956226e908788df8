// `npm run docs:mqtt`: writes docs/MQTT.md from src-main/mqtt/docs.ts (the zod schemas are the source).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderMqttDocs } from '../src-main/mqtt/docs.ts';

const file = path.join(import.meta.dirname, '..', 'docs', 'MQTT.md');
writeFileSync(file, renderMqttDocs());
console.log(`wrote ${file}`);
