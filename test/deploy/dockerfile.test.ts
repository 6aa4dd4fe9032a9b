// Static checks of the container image, for machines with no container engine: the Dockerfile
// (parsed with dockerfile-ast, the parser behind the Docker VS Code extension) and .dockerignore
// (matched with @balena/dockerignore, Docker's own rules) hold what the image promises, and every
// module src/ and demo/ load at run time is in the image: a production dependency or a copied file.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isBuiltin, stripTypeScriptTypes } from 'node:module';
import path from 'node:path';
import dockerignore from '@balena/dockerignore';
import { type Dockerfile, DockerfileParser, type Instruction } from 'dockerfile-ast';
import { init, parse as parseImports } from 'es-module-lexer';
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config/index.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const dockerfile: Dockerfile = DockerfileParser.parse(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
const ignore = dockerignore().add(readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n'));
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

interface Stage {
  readonly name: string | undefined;
  /** The base image with the global ARG defaults substituted. */
  readonly image: string;
  readonly instructions: Instruction[];
}

const globalArgs = new Map(
  dockerfile.getInitialARGs().map((a) => [a.getProperty()!.getName(), a.getProperty()!.getValue() ?? '']),
);
const expand = (text: string) => text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => globalArgs.get(a ?? b) ?? '');

/** The build stages in order, each with its instructions. */
function stages(): Stage[] {
  const out: Stage[] = [];
  const froms = dockerfile.getFROMs();
  for (const i of dockerfile.getInstructions()) {
    if (i.getKeyword() === 'FROM') {
      const from = froms.find((f) => f.getRange().start.line === i.getRange().start.line)!;
      out.push({ name: from.getBuildStage() ?? undefined, image: expand(from.getImage()!), instructions: [] });
    } else out.at(-1)?.instructions.push(i);
  }
  return out;
}

const only = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.getKeyword() === keyword);
/** The JSON (exec) form of an instruction, or of HEALTHCHECK's CMD. */
const execForm = (i: Instruction) => JSON.parse(i.getArgumentsContent()!.replace(/^CMD\s+/, '')) as string[];
/** Source paths of a COPY/ADD (flags removed, destination dropped). */
const copySources = (i: Instruction) =>
  i
    .getArguments()
    .map((a) => a.getValue())
    .filter((v) => !v.startsWith('--'))
    .slice(0, -1);
const flag = (i: Instruction, name: string) =>
  (i as Instruction & { getFlags(): { getName(): string; getValue(): string | null }[] })
    .getFlags()
    .find((f) => f.getName() === name)
    ?.getValue();

const all = stages();
const runtime = all.at(-1)!;

describe('Dockerfile', () => {
  it('is multi-stage: production dependencies are installed in a build stage, the runtime stage copies them', () => {
    expect(all.length).toBeGreaterThanOrEqual(2);
    const deps = all.find((s) => only(s, 'RUN').some((r) => /\bnpm ci\b/.test(r.getArgumentsContent()!)))!;
    expect(deps).toBeDefined();
    expect(deps).not.toBe(runtime);
    const modules = only(runtime, 'COPY').find((c) => copySources(c).some((s) => s.endsWith('node_modules')));
    expect(modules && flag(modules, 'from')).toBe(deps.name);
  });

  it('installs production dependencies only, with no install scripts, and drops the `node` npm package', () => {
    const install = all.flatMap((s) => only(s, 'RUN')).find((r) => /\bnpm ci\b/.test(r.getArgumentsContent()!))!;
    const script = install.getArgumentsContent()!;
    expect(script).toMatch(/npm ci\b[^&]*--omit=dev/);
    expect(script).toMatch(/npm ci\b[^&]*--ignore-scripts/);
    // The `node` package is a runtime dependency only to bring Node 24 to older machines.
    expect(pkg.dependencies.node).toBeDefined();
    expect(script).toMatch(/rm -rf[^&]*\bnode_modules\/node\b/);
    expect(script).toMatch(/rm -rf[^&]*\bnode_modules\/\.bin\/node\b/);
    // The build stage runs npm on the same Node major as the runtime.
    expect(all[0]!.image).toMatch(/^node:24-/);
  });

  it('runs on Node 24, as a numeric non-root user', () => {
    expect(runtime.image).toMatch(/(^|\/)(node:24\b|nodejs24-)/);
    const users = only(runtime, 'USER');
    expect(users).toHaveLength(1);
    const [uid, gid] = users[0]!.getArgumentsContent()!.split(':');
    expect(uid).toMatch(/^\d+$/);
    expect(Number(uid)).toBeGreaterThan(0);
    expect(gid === undefined || /^\d+$/.test(gid)).toBe(true);
  });

  it('installs and runs on one Debian release, one that distroless still builds Node images on', () => {
    const release: Record<string, number> = { bookworm: 12, trixie: 13 };
    const build = /-(bookworm|trixie)(-slim)?$/.exec(all[0]!.image)?.[1];
    const run = Number(/-debian(\d+):/.exec(runtime.image)?.[1]);
    expect(build && release[build]).toBe(run);
    // distroless dropped its Debian 12 Node images in February 2026 ("Remove nodejs debian12
    // builds"): a -debian12 tag no longer gets Node or Debian fixes.
    expect(run).toBeGreaterThanOrEqual(13);
  });

  it('exposes xDS, ext_authz and admin', () => {
    const ports = only(runtime, 'EXPOSE').flatMap((e) => e.getArguments().map((a) => a.getValue()));
    expect(ports.sort()).toEqual(['18000', '18001', '9902']);
  });

  it('health-checks with `gatehouse check` (exec form: the runtime has no shell)', () => {
    const checks = only(runtime, 'HEALTHCHECK');
    expect(checks).toHaveLength(1);
    const command = execForm(checks[0]!);
    const entrypoint = execForm(only(runtime, 'ENTRYPOINT')[0]!);
    expect(command.slice(0, entrypoint.length + 1)).toEqual([...entrypoint, 'check']);
    // The check's own timeout is shorter than the engine's, so a slow Gatehouse gets a reason line.
    const engine = Number(flag(checks[0]!, 'timeout')?.replace(/s$/, ''));
    const own = Number(command[command.indexOf('--timeout') + 1]?.replace(/s$/, ''));
    expect(own).toBeLessThan(engine);
  });

  it('enters at src/cli.ts with node, and the default command serves a settings file the image holds', () => {
    const entrypoint = execForm(only(runtime, 'ENTRYPOINT')[0]!);
    expect(entrypoint).toHaveLength(2);
    expect(entrypoint[0]).toMatch(/(^|\/)node$/);
    expect(entrypoint[1]).toBe('src/cli.ts');
    const cmd = execForm(only(runtime, 'CMD')[0]!);
    expect(cmd[0]).toBe('serve');
    const config = cmd[cmd.indexOf('--config') + 1]!;
    const settings = loadSettings(path.join(ROOT, config));
    expect(settings.ok).toBe(true);
    // Reachable from outside the container: every listener on a wildcard address.
    for (const f of ['--xds-address', '--admin-address', '--authz-address']) {
      expect(cmd[cmd.indexOf(f) + 1], f).toMatch(/^0\.0\.0\.0:\d+$/);
    }
    // `node demo/<file>.ts` as an entrypoint override needs node on PATH.
    const env = only(runtime, 'ENV')
      .map((e) => e.getArgumentsContent()!)
      .join(' ');
    expect(env).toMatch(new RegExp(`PATH=([^\\s]*:)?${path.posix.dirname(entrypoint[0]!)}(:|\\s|$)`));
  });

  it('carries OCI labels', () => {
    const labels = only(runtime, 'LABEL')
      .map((l) => l.getArgumentsContent()!)
      .join(' ');
    for (const key of ['title', 'description', 'licenses', 'version']) {
      expect(labels).toContain(`org.opencontainers.image.${key}=`);
    }
  });

  it('copies only paths that exist in the repository and that .dockerignore lets through', () => {
    const copies = all.flatMap((s) => only(s, 'COPY').filter((c) => flag(c, 'from') === undefined));
    const sources = copies.flatMap(copySources);
    expect(sources).toEqual(expect.arrayContaining(['package.json', 'src', 'config', 'envoy', 'demo']));
    for (const source of sources) {
      expect(existsSync(path.join(ROOT, source)), `COPY ${source}`).toBe(true);
      expect(ignore.ignores(source), `.dockerignore excludes COPY ${source}`).toBe(false);
    }
  });
});

describe('.dockerignore', () => {
  it('keeps node_modules (at any depth), .git and test outputs out of the build context', () => {
    for (const p of ['node_modules/yaml/package.json', 'demo/node_modules/x', '.git/HEAD', 'coverage/index.html']) {
      expect(ignore.ignores(p), p).toBe(true);
    }
    for (const p of ['src/cli.ts', 'package-lock.json', 'demo/protos/greeter.proto']) {
      expect(ignore.ignores(p), p).toBe(false);
    }
  });
});

/** Every .ts file under `dir` (repository-relative). */
function tsFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(dir, f));
}

describe('what the image runs', () => {
  it('every package src/ and demo/ import at run time is a production dependency, every relative import a copied file', async () => {
    await init;
    const copied = only(runtime, 'COPY')
      .filter((c) => flag(c, 'from') === undefined)
      .flatMap(copySources);
    const missing: string[] = [];
    const packages = new Set<string>();
    for (const file of [...tsFiles('src'), ...tsFiles('demo')]) {
      // Type-only imports vanish when Node strips the types, exactly as at run time.
      const [imports] = parseImports(stripTypeScriptTypes(readFileSync(path.join(ROOT, file), 'utf8')));
      for (const { specifier } of imports) {
        if (!specifier || isBuiltin(specifier)) continue;
        if (specifier.startsWith('.')) {
          const target = path.relative(ROOT, path.resolve(ROOT, path.dirname(file), specifier));
          if (!copied.some((c) => target === c || target.startsWith(`${c}/`))) missing.push(`${file}: ${specifier}`);
          continue;
        }
        const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
        packages.add(name);
        if (!(name in pkg.dependencies)) missing.push(`${file}: ${name}`);
      }
    }
    expect(missing).toEqual([]);
    // The scan sees through the type stripping: these are loaded at run time.
    expect([...packages]).toEqual(expect.arrayContaining(['@grpc/grpc-js', '@grpc/proto-loader', 'jose', 'yaml']));
  });
});
