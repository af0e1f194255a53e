/* Placeholder so the layer library is never empty. */
typedef int portolan_cli_placeholder;
