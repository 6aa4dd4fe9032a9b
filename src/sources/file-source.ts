// A YAML file watched for changes: the static catalog (embedded default) and the policy file.
// Editors save by rename, so the folder is watched and events are filtered by file name; a
// short settle delay folds the burst of events one save produces.
import { type FSWatcher, watch } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Parsed, readText } from '../config/index.ts';
import type { Logger } from '../log.ts';
import type { Source, SourceSink } from './source.ts';

/** Options of a watched file. */
export interface FileSourceOptions<T> {
  readonly name: string;
  readonly file: string;
  readonly parse: (text: string, source: string) => Parsed<T>;
  readonly log: Logger;
  /** Wait this long after the last file event before reading (ms). */
  readonly settleMs?: number;
}

/** Creates a source that emits the parsed file now and after every change. */
export function fileSource<T>(opts: FileSourceOptions<T>): Source<T> {
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  let lastText: string | undefined;
  const file = path.resolve(opts.file);
  const log = opts.log.child({ source: opts.name, file });

  const read = (sink: SourceSink<T>) => {
    const text = readText(file);
    if (!text.ok) {
      log.warn({ diagnostics: text.diagnostics }, 'cannot read file; keeping the last good content');
      sink.reject(text.diagnostics);
      // The rejection replaced the last report: the same content coming back must be reported
      // again, or the read problem would stick after the file is restored.
      lastText = undefined;
      return;
    }
    if (text.value === lastText) return;
    lastText = text.value;
    const parsed = opts.parse(text.value, path.basename(file));
    if (parsed.ok) {
      log.info('file loaded');
      sink.update(parsed.value);
    } else {
      log.warn({ diagnostics: parsed.diagnostics }, 'file refused; keeping the last good content');
      sink.reject(parsed.diagnostics);
    }
  };

  return {
    name: opts.name,
    start(sink) {
      read(sink);
      watcher = watch(path.dirname(file), (_event, changed) => {
        // A Kubernetes ConfigMap volume changes by renaming its `..data` symlink over a new
        // folder: the file's own name (a symlink through `..data`) sees no event of its own.
        if (changed !== null && changed !== path.basename(file) && changed !== '..data') return;
        clearTimeout(timer);
        timer = setTimeout(() => read(sink), opts.settleMs ?? 25);
      });
    },
    async write(text) {
      // Write beside the file and rename over it, so a reader never sees half a policy.
      const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
      await writeFile(temp, text);
      await rename(temp, file);
    },
    async stop() {
      clearTimeout(timer);
      watcher?.close();
    },
  };
}
