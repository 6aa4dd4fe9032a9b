// `gatehouse keys create` and `gatehouse authz explain`: argument parsing around the functions in
// cli.ts, so src/cli.ts only dispatches.
import { parseArgs } from 'node:util';
import { loadSettings } from '../config/index.ts';
import { GatehouseError } from '../errors.ts';
import { explain, keysCreate } from './cli.ts';

/** The policy file to explain against: --policy, else the one the settings file (--config, default config/gatehouse.yaml) names. */
function policyFile(policy: string | undefined, config: string | undefined): string {
  if (policy) return policy;
  const settings = loadSettings(config ?? 'config/gatehouse.yaml');
  if (!settings.ok || !settings.value.policy.file) {
    throw new GatehouseError(
      'USAGE',
      'authz explain needs --policy FILE, or --config naming a settings file with policy.file',
    );
  }
  return settings.value.policy.file;
}

/** Usage text of the authz subcommands. */
export const AUTHZ_USAGE = `  gatehouse keys create --consumer NAME              prints a new API key once, and its policy entry
  gatehouse authz explain --route KEY (--token JWT | --api-key KEY) [--method M] [--path P] [--policy FILE | --config FILE]`;

/** Runs `keys …` or `authz …`; returns the exit code. */
export async function runAuthzCommand(command: 'keys' | 'authz', argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      consumer: { type: 'string' },
      policy: { type: 'string' },
      config: { type: 'string' },
      route: { type: 'string' },
      token: { type: 'string' },
      'api-key': { type: 'string' },
      method: { type: 'string' },
      path: { type: 'string' },
    },
  });
  if (command === 'keys' && positionals[0] === 'create' && values.consumer) {
    process.stdout.write(keysCreate(values.consumer));
    return 0;
  }
  if (command === 'authz' && positionals[0] === 'explain' && values.route) {
    const text = await explain({
      policyFile: policyFile(values.policy, values.config),
      route: values.route,
      ...(values.token !== undefined && { token: values.token }),
      ...(values['api-key'] !== undefined && { apiKey: values['api-key'] }),
      ...(values.method !== undefined && { method: values.method }),
      ...(values.path !== undefined && { path: values.path }),
    });
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    return 0;
  }
  throw new Error(`usage:\n${AUTHZ_USAGE}`);
}
