/*
 * source-code.yar - example scope set for "source code of project Foobar".
 */

rule foobar_source : relevant
{
    meta:
        reason = "source file carrying the Foobar project's copyright header"
    strings:
        $hdr = "Copyright (c) Foobar Project" nocase
    condition:
        $hdr and category == "source"
}
