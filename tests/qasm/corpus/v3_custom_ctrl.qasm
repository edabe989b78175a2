OPENQASM 3.0;
include "stdgates.inc";
qubit[3] q;
gate m(a) x, y { gphase(a); rz(a) x; cx x, y; sx y; }
h q;
ctrl @ m(0.6) q[2], q[0], q[1];
negctrl @ m(-1.1) q[0], q[1], q[2];
