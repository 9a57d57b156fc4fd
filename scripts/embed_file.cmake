# embed_file.cmake — turns a file into a C array at build time (no xxd needed):
#   cmake -DIN=page.html -DOUT=page.c -DSYMBOL=name -P scripts/embed_file.cmake
# defines `const unsigned char SYMBOL[]` (NUL-terminated) and `const size_t SYMBOL_len` (without it).
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" n)
math(EXPR bytes "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," arr "${hex}")
string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){32})" "\\1\n" arr "${arr}")
get_filename_component(name "${IN}" NAME)
file(WRITE "${OUT}" "/* generated at build time from ${name} by scripts/embed_file.cmake */\n#include <stddef.h>\n"
     "const unsigned char ${SYMBOL}[] = {\n${arr}0};\nconst size_t ${SYMBOL}_len = ${bytes};\n")
