/* version.h - the tool version; PT_BUILD_ID comes from the Makefile (git). */
#ifndef PT_VERSION_H
#define PT_VERSION_H

#define PT_VERSION "0.1.0"
#ifndef PT_BUILD_ID
#define PT_BUILD_ID "unknown"
#endif

#endif
