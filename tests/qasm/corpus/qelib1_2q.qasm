OPENQASM 2.0;
include "qelib1.inc";
qreg q[3];
h q;
cx q[0], q[1]; cy q[1], q[2]; cz q[2], q[0]; ch q[0], q[2];
swap q[1], q[2]; crx(0.1) q[0], q[1]; cry(0.2) q[1], q[2]; crz(0.3) q[2], q[0];
cu1(0.4) q[0], q[1]; cp(0.5) q[1], q[2]; cu3(0.6, 0.7, 0.8) q[2], q[1];
csx q[0], q[2]; cu(0.9, 1.0, 1.1, 1.2) q[1], q[0]; rxx(1.3) q[0], q[1]; rzz(1.4) q[1], q[2];
