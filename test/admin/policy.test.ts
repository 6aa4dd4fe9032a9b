// Policy diff / apply / rollback through the admin API (real HTTP) and the CLI.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gatehouse } from '../../src/main.ts';
import { runPolicyCommand } from '../../src/policy/cli.ts';
import { startTestGatehouse, Workspace, waitFor } from '../e2e/harness.ts';

const POLICY_V2 = `services:
  greeter: { protocol: grpc, lbPolicy: ring_hash }
routes:
  - { name: greeter, match: { prefix: /helloworld.Greeter/ }, service: greeter, timeout: 2s }
`;

describe('policy admin API', () => {
  let ws: Workspace;
  let gh: Gatehouse;
  const post = (p: string, body?: string, author: string | null = 'alice') =>
    fetch(`http://${gh.adminAddress}${p}`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml', ...(author ? { 'x-gatehouse-author': author } : {}) },
      ...(body !== undefined && { body }),
    });

  beforeAll(async () => {
    ws = await Workspace.create();
    await ws.writeCatalog([{ id: 'a', port: 50051 } as never]);
    await ws.writePolicy();
    gh = await startTestGatehouse(ws);
  });
  afterAll(async () => {
    await gh.stop();
    await ws.remove();
  });

  it('diff says what a policy would change per profile, and applies nothing', async () => {
    const before = gh.holder.current()!.snapshot.version;
    const res = await post('/policy/diff', POLICY_V2);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ok: boolean; changes: Record<string, Record<string, { changed: string[] }>> };
    expect(body.ok).toBe(true);
    expect(body.changes.edge!.cds!.changed).toEqual(['greeter']);
    expect(body.changes.edge!.rds!.changed).toEqual(['edge-routes']);
    expect(body.changes.grpc!.cds!.changed).toEqual(['greeter']);
    expect(gh.holder.current()!.snapshot.version).toBe(before);
  });

  it('refuses a mutation without an author', async () => {
    expect((await post('/policy/apply', POLICY_V2, null)).status).toBe(400);
  });

  it('refuses an invalid policy with every problem, and nothing running changes', async () => {
    const before = gh.holder.current()!.snapshot.version;
    const res = await post(
      '/policy/apply',
      'routes:\n  - { name: x, service: nope, match: { prefix: / } }\n  - { name: y }\n',
    );
    expect(res.status).toBe(422);
    const body = (await res.json()) as { diagnostics: { path: string }[] };
    expect(body.diagnostics.map((d) => d.path).sort()).toEqual(['policy.routes[1].match', 'policy.routes[1].service']);
    expect(gh.holder.current()!.snapshot.version).toBe(before);
  });

  it('applies a policy live, stores it in the policy file, and records who did it', async () => {
    const first = (await (await fetch(`http://${gh.adminAddress}/policy/history`)).json()) as { current: string };
    const res = await post('/policy/apply', POLICY_V2);
    expect(res.status).toBe(200);
    const applied = (await res.json()) as { version: string };
    await waitFor('the applied policy to publish', () => gh.pipeline.policyVersion() === applied.version);
    expect(readFileSync(path.join(ws.dir, 'policy.yaml'), 'utf8')).toBe(POLICY_V2);
    const history = (await (await fetch(`http://${gh.adminAddress}/policy/history`)).json()) as {
      current: string;
      versions: { version: string; author: string; changes: Record<string, unknown> }[];
    };
    expect(history.current).toBe(applied.version);
    expect(history.versions.map((v) => v.version)).toEqual([applied.version, first.current]);
    expect(history.versions[0]!.author).toBe('alice');
    expect(history.versions[0]!.changes).toHaveProperty('edge');
  });

  it('rolls back to the previous version in one step (the CLI, over real HTTP)', async () => {
    const history = gh.pipeline.history();
    const previous = history[1]!.version;
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => out.push(chunk) > 0) as typeof process.stdout.write;
    let code: number;
    try {
      code = await runPolicyCommand(['rollback', '--admin', gh.adminAddress, '--author', 'bob']);
    } finally {
      process.stdout.write = write;
    }
    expect(code, out.join('')).toBe(0);
    expect(JSON.parse(out.join('')).version).toBe(previous);
    await waitFor('the rollback to publish', () => gh.pipeline.policyVersion() === previous);
    expect(gh.pipeline.history()[0]!.author).toBe(`bob (rollback to ${previous})`);
  });

  it('rollback to a version it does not hold is refused', async () => {
    const res = await post('/policy/rollback?to=feedfacefeedface');
    expect(res.status).toBe(422);
  });
});
