*** Settings ***
Documentation       The minutes bot's first step: one work item per recording dropped in the inbox.
...
...                 Its input is a *trigger* work item naming the folders:
...                 ``{"inbox": "/abs/inbox/minutes", "archive": "/abs/archive/minutes"}`` (without
...                 ``archive``: ``archive/minutes`` beside the inbox's parent). For each recording in
...                 the inbox (WAV, FLAC, MP3, M4A…), in name order:
...
...                 1. Make its item: reference ``REC-`` and a hash of the file (a recording dropped
...                 twice makes one item), the meeting details from the sidecar JSON beside it
...                 (``conference.json`` for ``conference.m4a``) or the recording's own tags, the
...                 recording (and the sidecar) attached, encrypted by the store. A recording larger
...                 than the store takes whole (``NIGHTSHIFT_MAX_FILE_BYTES``, 50 MiB: a two-hour WAV is
...                 230 MB) is attached in parts (`Split Recording`), which the consumer joins again.
...                 2. Only then move the recording and its sidecar to the archive.
...
...                 A recording whose sidecar is not JSON stays in the inbox with a warning naming it; the trigger is released DONE at the end. A
...                 missing inbox folder fails the step (an APPLICATION error, retried).
...
...                 Settings: ``RPA_WORKITEMS_ADAPTER=workitems.rpa.QueueAdapter``,
...                 ``NIGHTSHIFT_QUEUE`` (the trigger queue), ``NIGHTSHIFT_OUTPUT_QUEUE`` (the recordings
...                 queue). Run with ``--maxassignlength 0``.

Library             OperatingSystem
Library             RPA.Robocorp.WorkItems    autoload=${False}
Library             keywords.transcription
Library             keywords.referrals

Suite Setup         Set Environment Variable    NIGHTSHIFT_REFERENCE_FIELD    reference


*** Tasks ***
Queue recordings
    [Documentation]    Queue every recording in the inbox named by each trigger item.
    For Each Input Work Item    Queue Recordings From Inbox    return_results=${False}


*** Keywords ***
Queue Recordings From Inbox
    [Documentation]    One trigger item: an item per recording, the recording archived after it is saved.
    ${inbox}=    Get Work Item Variable    inbox    default=${EMPTY}
    IF    not $inbox
        Release Input Work Item    FAILED    exception_type=BUSINESS    code=BAD_TRIGGER
        ...    message=The trigger item has no "inbox" folder in its payload: add it and retry the item.
        RETURN
    END
    ${default}=    Evaluate    str(pathlib.Path($inbox).parent.parent / "archive" / pathlib.Path($inbox).name)
    ...    modules=pathlib
    ${archive}=    Get Work Item Variable    archive    default=${default}
    @{recordings}=    List Recordings    ${inbox}
    ${queued}=    Set Variable    ${0}
    FOR    ${file}    IN    @{recordings}
        TRY
            ${payload}=    Recording Work Item    ${file}
        EXCEPT    BAD_RECORDING:*    type=glob    AS    ${error}
            Log    ${error} (left in the inbox)    WARN
            CONTINUE
        END
        Create Output Work Item
        Set Work Item Payload    ${payload}
        # A recording too large for one file goes in parts, cut in a private folder removed after saving.
        ${parts_dir}=    Evaluate    tempfile.mkdtemp(prefix="minutes-parts-") if $payload["parts"] else None
        ...    modules=tempfile
        TRY
            IF    $payload["parts"]
                @{parts}=    Split Recording    ${file}    ${parts_dir}
                FOR    ${part}    IN    @{parts}
                    Add Work Item File    ${part}
                END
            ELSE
                Add Work Item File    ${file}
            END
            IF    $payload["sidecar"]
                Add Work Item File    ${inbox}${/}${payload}[sidecar]
            END
            Save Work Item
        FINALLY
            IF    $parts_dir    Remove Directory    ${parts_dir}    recursive=${True}
        END
        # Only after the item is saved: killed before this line, a rerun queues the same item again.
        Archive Inbox File    ${file}    ${archive}
        IF    $payload["sidecar"]
            Archive Inbox File    ${inbox}${/}${payload}[sidecar]    ${archive}
        END
        ${queued}=    Evaluate    $queued + 1
    END
    Log    Queued ${queued} recording(s).
    Release Input Work Item    DONE
