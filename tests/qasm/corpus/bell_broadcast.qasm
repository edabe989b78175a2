// broadcasting over whole registers: two Bell pairs (a[i], b[i])
OPENQASM 2.0;
include "qelib1.inc";
qreg a[2];
qreg b[2];
h a;
cx a, b;
