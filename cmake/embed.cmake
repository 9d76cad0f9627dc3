# authrs_embed(OUT FILES): writes OUT, a C file that holds each input file as
#   const unsigned char embed_<name>[]; const size_t embed_<name>_len;
# plus a table `embedded_files[]` (name, data, len) ending with a NULL name,
# declared in src/util/embedded.h. <name> is the file name with every
# non-alphanumeric character replaced by '_'.
function(authrs_embed OUT FILES)
  string(REPLACE ";" "|" files_arg "${FILES}")
  add_custom_command(
    OUTPUT ${OUT}
    COMMAND ${CMAKE_COMMAND} -DOUT=${OUT} "-DFILES=${files_arg}" -P ${CMAKE_SOURCE_DIR}/cmake/embed_run.cmake
    DEPENDS ${FILES} ${CMAKE_SOURCE_DIR}/cmake/embed_run.cmake
    COMMENT "Embedding migrations and assets"
    VERBATIM)
endfunction()
