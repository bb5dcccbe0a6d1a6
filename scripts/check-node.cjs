// Stops early, with a clear message, on a Node.js older than package.json's engines field.
// Old syntax on purpose: it must run, and explain, on the old Node it refuses.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS on purpose: it must load on the old Node it refuses */
var fs = require('fs');
var path = require('path');

var wanted = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')).engines.node; // ">=20.19"
var min = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(wanted);
if (!min) {
  process.stderr.write('package.json engines.node must read ">=MAJOR.MINOR" (got "' + wanted + '")\n');
  process.exit(1);
}
var have = /^v?(\d+)\.(\d+)\.(\d+)/.exec(process.version) || [];
var need = [Number(min[1]), Number(min[2] || 0), Number(min[3] || 0)];
var got = [Number(have[1]), Number(have[2]), Number(have[3])];
var older = false;
for (var i = 0; i < 3; i++) {
  if (got[i] !== need[i]) {
    older = !(got[i] > need[i]);
    break;
  }
}
if (older) {
  process.stderr.write(
    'This project needs Node.js ' + wanted + ' (package.json "engines"); this is Node.js ' + process.version +
      ' (' + process.execPath + ').\nInstall Node.js 20.19 or newer (22 LTS recommended), then run the command again.\n',
  );
  process.exit(1);
}
