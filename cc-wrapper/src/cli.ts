#!/usr/bin/env node
/** tscare-cc: the C compiler wrapper (real compiler: TSCARE_REAL_CC, default gcc). */
import { main } from './main.js';

await main('c', 'tscare-cc');
