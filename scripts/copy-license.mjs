#!/usr/bin/env node
// `prepack` of every published package: npm packs a LICENSE only from the package's own folder,
// so the repository's LICENSE (AGPL-3.0) is copied there first. The copies are git-ignored.
import { copyFileSync } from 'node:fs';

copyFileSync(new URL('../LICENSE', import.meta.url), 'LICENSE');
