/* validate.h - `ptriage validate -o DIR`: known-answer checks an examiner can
 * file with a report.  Generates files of known content (their SHA-256
 * computed from the bytes as generated, independently of the scan), puts
 * them in an ext4 image (mkfs.ext4 -d) and a directory, scans both with the
 * same code as `ptriage scan`, and checks that every file is listed with the
 * known SHA-256, that `sha256sum` agrees, and that the image's listing equals
 * The Sleuth Kit's `fls -r -p`.  Writes DIR/validation.txt (tool and library
 * versions, each check with PASS or FAIL) next to the case it scanned. */
#ifndef PT_VALIDATE_H
#define PT_VALIDATE_H

#include "err.h"

/* Returns the number of failed checks (0: validated), or a negative PT_E*
 * code with err set when validation could not run. */
int pt_validate_run(const char *dir, pt_err_t *err);

#endif
