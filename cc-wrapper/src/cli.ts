#!/usr/bin/env node
/** tscare-cc: the C compiler wrapper (real compiler: TSCARE_REAL_CC, default gcc). */
import { main } from './main.js';

// Not a top-level await: the one-file bundle bin/tscare-cc starts is CommonJS (see
// scripts/bundle.mjs). main() catches everything and sets process.exitCode itself.
void main('c', 'tscare-cc');
