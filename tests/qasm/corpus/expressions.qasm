OPENQASM 2.0;
include "qelib1.inc";
qreg q[5];
rz(sin(pi/6) + cos(0.5)^2) q[0];
rz(-tan(0.3) * 2) q[1];
rz(exp(0.1) - ln(2.5)) q[2];
rz(sqrt(2) / (1 + 2 * 3)) q[3];
rz(-(-pi) / 4 + 2^-1) q[4];
h q;
