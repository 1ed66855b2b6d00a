*** Settings ***
Documentation       The minutes bot's second step: transcribe each recording into draft minutes.
...
...                 For each input work item (a recording, see ``producer.robot``):
...
...                 1. Take the attached recording into a private temporary folder (never the run's
...                 artifacts: a recording is personal data); one attached in parts is joined again
...                 there and checked against the hash it was queued with.
...                 2. `Transcribe Audio`, with a checkpoint under ``NIGHTSHIFT_HOME/transcribe/`` (encrypted),
...                 so a run stopped part-way through a long meeting resumes where it stopped.
...                 3. Write the draft minutes (``.docx``: meeting details, sections, the timestamped
...                 transcript) and put them on an output item ``{reference, recording, meeting,
...                 transcript, status: "draft"}`` for a minute-checker to review in the portal.
...
...                 A corrupt, empty or silent recording is a BUSINESS failure (``BAD_RECORDING``, naming
...                 the file) for a person; a missing ffmpeg or model is an APPLICATION failure, retried
...                 once the machine is set up. Transcripts go only into work items (``Set Work Item
...                 Payload`` does not log them); run with ``--maxassignlength 0``.
...
...                 Settings: the adapter with ``NIGHTSHIFT_QUEUE`` and ``NIGHTSHIFT_OUTPUT_QUEUE``;
...                 ``NIGHTSHIFT_TRANSCRIBE_ENGINE``, ``NIGHTSHIFT_TRANSCRIBE_MODEL_DIR``,
...                 ``NIGHTSHIFT_TRANSCRIBE_LM`` (see the keyword library).

Library             OperatingSystem
Library             RPA.Robocorp.WorkItems    autoload=${False}
Library             keywords.transcription

Suite Setup         Set Environment Variable    NIGHTSHIFT_REFERENCE_FIELD    reference


*** Variables ***
${CHECKPOINTS}      %{NIGHTSHIFT_HOME=var}${/}transcribe${/}checkpoints


*** Tasks ***
Draft minutes
    [Documentation]    Transcribe every recording on the queue into draft minutes.
    For Each Input Work Item    Draft Minutes Of One Recording    return_results=${False}


*** Keywords ***
Draft Minutes Of One Recording
    [Documentation]    One recording: an output item with the draft minutes, or a failure naming the file.
    ${item}=    Get Work Item Payload
    ${tmp}=    Evaluate    tempfile.mkdtemp(prefix="minutes-")    modules=tempfile
    TRY
        IF    $item.get("parts")
            Create Directory    ${tmp}${/}parts
            @{parts}=    Get Work Item Files    ${item}[recording].part*    ${tmp}${/}parts
            ${recording}=    Join Recording Parts    ${parts}    ${tmp}${/}${item}[recording]    ${item}[sha256]
            Remove Directory    ${tmp}${/}parts    recursive=${True}
        ELSE
            ${recording}=    Get Work Item File    ${item}[recording]    ${tmp}${/}${item}[recording]
        END
        ${transcript}=    Transcribe Audio    ${recording}    checkpoint=${CHECKPOINTS}${/}${item}[reference].ckpt
        ${name}=    Evaluate    "Draft minutes - " + pathlib.Path($item["recording"]).stem + ".docx"
        ...    modules=pathlib
        ${docx}=    Write Draft Minutes    ${transcript}    ${item}[meeting]    ${tmp}${/}${name}
        Create Output Work Item
        Set Work Item Payload    ${{ {"reference": $item["reference"], "recording": $item["recording"], "meeting": $item["meeting"], "transcript": $transcript, "status": "draft"} }}
        Add Work Item File    ${docx}
        Save Work Item
        Log    ${item}[recording]: draft minutes of ${{ len($transcript["segments"]) }} passages queued.
    EXCEPT    BAD_RECORDING:*    type=glob    AS    ${error}
        Release Input Work Item    FAILED    exception_type=BUSINESS    code=BAD_RECORDING    message=${error}
    EXCEPT    MISSING_TOOL:*    ENGINE_NOT_CONFIGURED:*    type=glob    AS    ${error}
        Release Input Work Item    FAILED    exception_type=APPLICATION    code=${error.split(":")[0]}
        ...    message=${error}
    FINALLY
        Remove Directory    ${tmp}    recursive=${True}
    END
