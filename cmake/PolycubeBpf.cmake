# Build-time BPF: compile a .bpf.c with clang for TC and for XDP and link both
# ELF objects into a target (via .incbin), so nothing is compiled at run time.
#
#   pcn_embed_bpf(<target> <var> <source.bpf.c> [HEADERS h1 h2 ...])
#
# defines `polycube::BpfSource <var>()` in the generated header <var>.h
# (include it from the target's sources).

find_program(PCN_CLANG NAMES clang clang-16 clang-15 clang-14 REQUIRED)
# The multiarch directory of asm/types.h (x86_64-linux-gnu); clang's
# -dumpmachine says x86_64-pc-linux-gnu, so ask for the multiarch name.
execute_process(COMMAND ${CMAKE_C_COMPILER} -print-multiarch OUTPUT_VARIABLE PCN_TRIPLET
                OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT PCN_TRIPLET)
  execute_process(COMMAND ${CMAKE_C_COMPILER} -dumpmachine OUTPUT_VARIABLE PCN_TRIPLET
                  OUTPUT_STRIP_TRAILING_WHITESPACE)
endif()
set(PCN_BPF_INCLUDE ${CMAKE_SOURCE_DIR}/libpolycube/include)
file(GLOB PCN_BPF_FRAMEWORK_HEADERS ${PCN_BPF_INCLUDE}/polycube/*.h)

function(pcn_embed_bpf target var src)
  cmake_parse_arguments(ARG "" "" "HEADERS" ${ARGN})
  get_filename_component(src_abs ${src} ABSOLUTE)
  get_filename_component(src_dir ${src_abs} DIRECTORY)
  file(GLOB local_headers ${src_dir}/*.h)
  set(out_dir ${CMAKE_CURRENT_BINARY_DIR}/bpf)
  file(MAKE_DIRECTORY ${out_dir})
  set(asm_files)
  foreach(mode tc xdp)
    set(obj ${out_dir}/${var}.${mode}.o)
    set(mode_flag "")
    if(mode STREQUAL "xdp")
      set(mode_flag -DPCN_XDP)
    endif()
    add_custom_command(
      OUTPUT ${obj}
      COMMAND ${PCN_CLANG} -target bpf -O2 -g -Wall -Werror -I/usr/include/${PCN_TRIPLET}
              -I${PCN_BPF_INCLUDE} -I${PCN_BPF_INCLUDE}/polycube -I${src_dir} ${mode_flag}
              -c ${src_abs} -o ${obj}
      DEPENDS ${src_abs} ${PCN_BPF_FRAMEWORK_HEADERS} ${local_headers} ${ARG_HEADERS}
      COMMENT "BPF ${var} (${mode})"
      VERBATIM)
    set(asm ${out_dir}/${var}.${mode}.S)
    file(WRITE ${asm}.in
      "  .section .rodata\n  .balign 8\n  .global ${var}_${mode}_begin\n  .hidden ${var}_${mode}_begin\n"
      "${var}_${mode}_begin:\n  .incbin \"${obj}\"\n  .global ${var}_${mode}_end\n  .hidden ${var}_${mode}_end\n"
      "${var}_${mode}_end:\n  .byte 0\n  .section .note.GNU-stack,\"\",@progbits\n")
    configure_file(${asm}.in ${asm} COPYONLY)
    set_source_files_properties(${asm} PROPERTIES OBJECT_DEPENDS ${obj} LANGUAGE ASM)
    list(APPEND asm_files ${asm})
  endforeach()
  # <var>_maps.h: the objects' maps as MapRefs (polycube/map_ref.h), so a
  # map name or a key/value size the object does not have is a build error.
  add_custom_command(
    OUTPUT ${out_dir}/${var}_maps.h
    COMMAND pcn-bpf-maps ${var} ${out_dir}/${var}.tc.o ${out_dir}/${var}.xdp.o > ${out_dir}/${var}_maps.h
    DEPENDS pcn-bpf-maps ${out_dir}/${var}.tc.o ${out_dir}/${var}.xdp.o
    COMMENT "BPF ${var} maps"
    VERBATIM)
  file(WRITE ${out_dir}/${var}.h.in
    "#pragma once\n#include \"polycube/embedded_object.h\"\nPCN_DECLARE_BPF_SOURCE(${var})\n")
  configure_file(${out_dir}/${var}.h.in ${out_dir}/${var}.h COPYONLY)
  target_sources(${target} PRIVATE ${asm_files})
  target_include_directories(${target} PRIVATE ${out_dir})
  # The raw objects are also useful to tests and tools (bpftool, test runs).
  add_custom_target(${var}_objects DEPENDS ${out_dir}/${var}.tc.o ${out_dir}/${var}.xdp.o ${out_dir}/${var}_maps.h)
  add_dependencies(${target} ${var}_objects)
endfunction()

# pcn_embed_text(<target> <function> <file>): links the text of <file> into
# <target> as `const std::string &<function>()` (declared by the caller).
function(pcn_embed_text target fn file)
  get_filename_component(abs ${file} ABSOLUTE)
  file(READ ${abs} content)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${abs})
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${fn}.cpp)
  file(WRITE ${out}.in "#include <string>\nconst std::string &${fn}() {\n  static const std::string text = R\"pcn_text(${content})pcn_text\";\n  return text;\n}\n")
  configure_file(${out}.in ${out} COPYONLY)
  target_sources(${target} PRIVATE ${out})
endfunction()
