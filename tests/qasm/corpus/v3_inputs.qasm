OPENQASM 3.0;
include "stdgates.inc";
input float theta;
input float[64] phi;
qubit[2] q;
h q[0];
rx(2 * theta + phi) q[0];
crz(theta - 0.5) q[0], q[1];
ry(-phi / 2) q[1];
