# pcn_codegen_yang(<target> <file.yang>): runs codegen-yang at build time and
# makes <module>_gen.h includable from <target>. The module name is the
# file's base name. Nothing generated is checked in.
function(pcn_codegen_yang target yang)
  get_filename_component(abs ${yang} ABSOLUTE)
  get_filename_component(module ${yang} NAME_WE)
  set(out_dir ${CMAKE_CURRENT_BINARY_DIR}/gen)
  file(MAKE_DIRECTORY ${out_dir})
  file(GLOB base_modules ${PROJECT_SOURCE_DIR}/libpolycube/yang/*.yang)
  add_custom_command(
    OUTPUT ${out_dir}/${module}_gen.h ${out_dir}/${module}.openapi.json
    COMMAND codegen-yang --yang ${abs} -p ${PROJECT_SOURCE_DIR}/libpolycube/yang --out-dir ${out_dir}
    DEPENDS ${abs} codegen-yang ${base_modules}
    COMMENT "codegen-yang ${module}"
    VERBATIM)
  add_custom_target(${target}_${module}_gen DEPENDS ${out_dir}/${module}_gen.h)
  add_dependencies(${target} ${target}_${module}_gen)
  target_include_directories(${target} PUBLIC ${out_dir})
endfunction()
