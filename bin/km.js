#!/usr/bin/env node
'use strict';
require('../dist/cli/km.js').main(process.argv.slice(2));
