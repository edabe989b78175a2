// swap test of ry(0.9)|0> and ry(0.2)|0>: P(anc = 0) = (1 + cos^2(0.35)) / 2
OPENQASM 2.0;
include "qelib1.inc";
qreg anc[1];
qreg a[1];
qreg b[1];
ry(0.9) a[0];
ry(0.2) b[0];
h anc[0];
cswap anc[0], a[0], b[0];
h anc[0];
