#!/usr/bin/env node
/** tscare-c++: the C++ compiler wrapper (real compiler: TSCARE_REAL_CXX, default g++). */
import { main } from './main.js';

// Not a top-level await: see cli.ts.
void main('c++', 'tscare-c++');
