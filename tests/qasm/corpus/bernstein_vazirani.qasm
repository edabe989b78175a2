// secret 1011 (q[3] q[2] q[1] q[0]); ancilla q[4]
OPENQASM 2.0;
include "qelib1.inc";
qreg q[5];
creg c[4];
x q[4];
h q;
cx q[0], q[4];
cx q[1], q[4];
cx q[3], q[4];
h q;
measure q[0] -> c[0];
measure q[1] -> c[1];
measure q[2] -> c[2];
measure q[3] -> c[3];
