/* report_dfxml.h - manifest.dfxml: Digital Forensics XML, the file-object
 * schema fiwalk and hashdeep write, so DFXML tools read a ptriage case.
 * Standard elements (filename, filesize, alloc, inode, times, hashdigest)
 * follow fiwalk; ptriage's classification goes in its own namespace
 * (pt:mime, pt:category, pt:encryption, pt:disposition, ...).  Private
 * items are included as the examiner's manifest includes them: DFXML is an
 * examiner output, like manifest.csv. */
#ifndef PT_REPORT_DFXML_H
#define PT_REPORT_DFXML_H

#include "report.h"

#define PT_DFXML_NS "https://ptriage.org/ns/dfxml/1.0"

int pt_report_dfxml_write(pt_report_ctx_t *ctx, FILE *f, pt_err_t *err);

#endif
