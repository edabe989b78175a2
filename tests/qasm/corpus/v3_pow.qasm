OPENQASM 3.0;
include "stdgates.inc";
qubit[3] q;
h q;
pow(2) @ sx q[0];
pow(0.5) @ x q[1];
pow(-1) @ t q[2];
pow(3) @ rz(0.2) q[0];
pow(1.5) @ h q[1];
