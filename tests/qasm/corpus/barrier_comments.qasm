// comments, barriers and odd spacing
OPENQASM 2.0;
include "qelib1.inc";  // the standard library
qreg q[3];
// a comment line
   // an indented comment
h q[0] ;
barrier q;
cx q[0],
   q[1];
barrier q[0], q[2];
rz( pi / 3 ) q[2];
barrier q[1], q[1];
