// One Envoy and one Consul release everywhere a container runs them: the compose demo, the
// Kubernetes example and the container suite. A fleet tested on one Envoy and documented on
// another would leave the tested combination unproven.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.join(import.meta.dirname, '..', '..');
const FILES = ['docker-compose.yml', 'deploy', 'test/containers', '.github'];

function files(p: string): string[] {
  const full = path.join(ROOT, p);
  if (!statSync(full).isDirectory()) return [p];
  return readdirSync(full).flatMap((f) => files(path.join(p, f)));
}

/** Every `<image>:<tag>` reference in the deployable files, by image. */
function pins(image: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const re = new RegExp(`${image.replace('/', '\\/')}:([A-Za-z0-9._-]+)`, 'g');
  for (const f of FILES.flatMap(files)) {
    for (const m of readFileSync(path.join(ROOT, f), 'utf8').matchAll(re)) {
      found.set(m[1]!, [...(found.get(m[1]!) ?? []), f]);
    }
  }
  return found;
}

describe('image pins', () => {
  for (const image of ['envoyproxy/envoy', 'hashicorp/consul']) {
    it(`${image}: one exact release in compose, Kubernetes and the container suite`, () => {
      const found = pins(image);
      expect(found.size, JSON.stringify(Object.fromEntries(found))).toBe(1);
      const [tag] = [...found.keys()];
      expect(tag).toMatch(/^v?\d+\.\d+\.\d+$/);
      const where = new Set([...found.values()].flat().map((f) => f.split('/')[0]));
      expect([...where].sort()).toEqual(
        image === 'envoyproxy/envoy' ? ['deploy', 'docker-compose.yml', 'test'] : ['docker-compose.yml', 'test'],
      );
    });
  }
});
