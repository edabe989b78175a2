// balanced oracle f(x) = x0 xor x2 on 3 input qubits; the inputs never read 000
OPENQASM 2.0;
include "qelib1.inc";
qreg inp[3];
qreg anc[1];
creg c[3];
x anc[0];
h inp;
h anc[0];
cx inp[0], anc[0];
cx inp[2], anc[0];
h inp;
measure inp -> c;
