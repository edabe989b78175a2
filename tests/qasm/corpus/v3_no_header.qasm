// no version line: read as OpenQASM 3
include "stdgates.inc";
qubit q;
qubit[2] r;
x q;
x r[0];
ccx q, r[0], r[1];
