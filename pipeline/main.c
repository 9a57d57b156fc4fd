/* main.c — proflow command line (filled in by service work). */
#include <stdio.h>
int main(void) { puts("proflow " PROFLOW_VERSION); return 0; }
