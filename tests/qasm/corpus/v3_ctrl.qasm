OPENQASM 3.0;
include "stdgates.inc";
qubit[4] q;
h q;
ctrl @ h q[0], q[1];
ctrl(2) @ rx(0.3) q[1], q[2], q[3];
negctrl @ x q[3], q[0];
negctrl(2) @ z q[0], q[1], q[2];
ctrl @ negctrl @ ry(0.7) q[2], q[3], q[0];
