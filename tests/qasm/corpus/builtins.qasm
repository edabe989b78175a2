// only the builtins U and CX, no include
OPENQASM 2.0;
qreg q[2];
U(pi/2, 0, pi) q[0];
CX q[0], q[1];
U(0.3, 0.2, 0.1) q[1];
