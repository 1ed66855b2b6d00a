*** Settings ***
Documentation     A consumer written against RPA.Robocorp.WorkItems alone: no nightshift keyword.
Library           RPA.Robocorp.WorkItems
Library           OperatingSystem


*** Variables ***
${DELAY}          0


*** Tasks ***
Consume every input
    For Each Input Work Item    Handle one input


*** Keywords ***
Handle one input
    ${n}=    Get Work Item Variable    n
    Sleep    ${DELAY}
    IF    ${n} == -1
        Release Input Work Item    FAILED    exception_type=BUSINESS    code=NEGATIVE
        ...    message=n must not be negative
        RETURN
    END
    IF    ${n} == -2    Fail    the legacy system answered 500
    ${files}=    List Work Item Files
    IF    $files
        ${path}=    Get Work Item File    ${files}[0]    ${OUTPUT DIR}${/}${files}[0]
        ${text}=    Get File    ${path}
        Create File    ${OUTPUT DIR}${/}reply.txt    reply to ${text}
        Create Output Work Item    variables=${{ {"n": ${n}, "reply": True} }}
        ...    files=${OUTPUT DIR}${/}reply.txt    save=True
    ELSE
        Create Output Work Item    variables=${{ {"n": ${n}, "double": ${n} * 2} }}    save=True
    END
