# Libraries of the neural-network and speech domains, all from Debian packages
# (scripts/setup-deps.sh installs them).
find_path(DNNL_INCLUDE_DIR dnnl.h REQUIRED)
find_library(DNNL_LIBRARY dnnl REQUIRED)
pkg_check_modules(OPENBLAS REQUIRED IMPORTED_TARGET openblas)
# Debian's sphinxbase.pc names /usr/include/sphinxbase, which the package does not ship:
# keep only the include directories that exist.
pkg_check_modules(POCKETSPHINX REQUIRED pocketsphinx sphinxbase)
set(POCKETSPHINX_INCLUDES "")
foreach(dir ${POCKETSPHINX_INCLUDE_DIRS})
  if(IS_DIRECTORY ${dir})
    list(APPEND POCKETSPHINX_INCLUDES ${dir})
  endif()
endforeach()
list(APPEND AURIS_LIB_DEPS ${DNNL_LIBRARY} PkgConfig::OPENBLAS ${POCKETSPHINX_LIBRARIES})
include_directories(SYSTEM ${DNNL_INCLUDE_DIR} ${POCKETSPHINX_INCLUDES})
