#!/usr/bin/env node
/** tscare-c++: the C++ compiler wrapper (real compiler: TSCARE_REAL_CXX, default g++). */
import { main } from './main.js';

await main('c++', 'tscare-c++');
