OPENQASM 2.0;
include "qelib1.inc";
qreg q[5];
h q;
ccx q[0], q[1], q[2];
cswap q[3], q[0], q[4];
c3x q[4], q[1], q[2], q[0];
c3sqrtx q[0], q[2], q[3], q[1];
c4x q[1], q[2], q[3], q[4], q[0];
