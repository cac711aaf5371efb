"""The annual QCDC report a federation writes (báo cáo kết quả thực hiện QCDC): the figures
of the existing report computation, the activity counts and the work log, the staff's
assessment, composed into one text rendered as DOCX and as PDF."""
