// `gatehouse policy diff|apply|rollback|history`: talks to a running Gatehouse's admin API, so
// the change goes through the same validation and history as any other.
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';

/** Usage text of the policy subcommands. */
export const POLICY_USAGE = `  gatehouse policy diff FILE      [--admin HOST:PORT]   what FILE would change, per node profile
  gatehouse policy apply FILE     [--admin HOST:PORT] [--author NAME]
  gatehouse policy rollback       [--to VERSION] [--admin HOST:PORT] [--author NAME]
  gatehouse policy history        [--admin HOST:PORT]`;

/** Runs one policy subcommand; returns the process exit code. */
export async function runPolicyCommand(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { admin: { type: 'string' }, author: { type: 'string' }, to: { type: 'string' } },
  });
  const [action, file] = positionals;
  const admin = values.admin ?? env.GATEHOUSE_ADMIN_ADDRESS ?? '127.0.0.1:9902';
  const author = values.author ?? env.USER ?? userInfo().username;
  const base = `http://${admin}`;
  let res: Response;
  if (action === 'history') {
    res = await fetch(`${base}/policy/history`);
  } else if (action === 'diff' || action === 'apply') {
    if (!file) throw new Error(`policy ${action} needs a FILE\n${POLICY_USAGE}`);
    res = await fetch(`${base}/policy/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml', 'x-gatehouse-author': author },
      body: readFileSync(file, 'utf8'),
    });
  } else if (action === 'rollback') {
    const query = values.to ? `?to=${encodeURIComponent(values.to)}` : '';
    res = await fetch(`${base}/policy/rollback${query}`, { method: 'POST', headers: { 'x-gatehouse-author': author } });
  } else {
    throw new Error(`unknown policy action "${action ?? ''}"\n${POLICY_USAGE}`);
  }
  process.stdout.write(await res.text());
  return res.ok ? 0 : 1;
}
