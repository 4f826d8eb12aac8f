/*
 * default.yar - ptriage's default scope policy rules.
 *
 * Marks operating-system and application files as `system`, so that the
 * report separates them from user data.  Examiners add the case's own scope
 * rules (see rules/examples/ and docs/rules.md); the case.conf policy decides
 * what happens to everything no rule decides (user areas: private; encrypted
 * content: needs-review; the rest: needs-review).
 *
 * External variables (set by ptriage for every item): filename, filepath,
 * extension, mime, category, encryption, encryption_format, evidence, volume,
 * kind, owner, sha256, md5 (strings); owner_uid, group_gid, mtime, atime,
 * ctime, crtime, allocated, size (integers, -1 when unknown); entropy (float).
 */

rule unix_system_paths : system
{
    meta:
        reason = "operating-system or package-managed path"
    condition:
        filepath matches /^\/(usr|bin|sbin|lib|lib32|lib64|libx32|boot|etc|opt|var\/lib|var\/cache|var\/log|run|snap)(\/|$)/
}

rule unix_special_files : system
{
    meta:
        reason = "device node, FIFO or socket (no content of its own), or a directory every Unix system has"
    condition:
        kind == "device" or kind == "fifo" or kind == "socket" or
        ((kind == "dir" or kind == "symlink") and
         (filepath matches /^\/dev\// or
          filepath matches /^\/(dev|proc|sys|tmp|mnt|media|srv|home|root|var|var\/(tmp|spool|mail|opt|local|backups|lock|run))$/))
}

rule windows_system_paths : system
{
    meta:
        reason = "Windows system or program path"
    condition:
        filepath matches /^\/(Windows\.old\/)?(Windows|Program Files|Program Files \(x86\)|ProgramData|System Volume Information)(\/|$)/
}

rule windows_recycle_bin
{
    meta:
        disposition = "private"  /* "private" is a YARA keyword: not a tag */
        reason = "in a Windows recycle bin: a file a user deleted (its SID folder names the user)"
    condition:
        filepath matches /^\/(\$recycle\.bin|recycler|recycled)\//is
}

rule filesystem_metadata : system
{
    meta:
        reason = "filesystem metadata (NTFS $ files, lost+found, libtsk virtual files)"
    condition:
        (filepath matches /^\/(\$[A-Za-z]|lost\+found(\/|$))/ and not filepath matches /^\/\$recycle\.bin(\/|$)/is) or
        kind == "virtual" or kind == "virtual-dir" or kind == "index"
}

rule swap_and_hibernation : needs_review
{
    meta:
        reason = "swap or hibernation file: may hold fragments of any user data"
    condition:
        filepath matches /^\/(pagefile\.sys|hiberfil\.sys|swapfile|swap\.img)$/
}
